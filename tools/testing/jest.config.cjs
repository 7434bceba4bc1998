/** Jest settings for @core/testing. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/testing', rootDir: __dirname };
