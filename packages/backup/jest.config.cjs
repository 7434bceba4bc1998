/** Jest settings for @core/backup. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/backup', rootDir: __dirname };
