/** Jest settings for @core/cloud-storage. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/cloud-storage', rootDir: __dirname };
