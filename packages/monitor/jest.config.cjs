/** Jest settings for @core/monitor. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/monitor', rootDir: __dirname };
