/** Jest settings for @core/lifecycle. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/lifecycle', rootDir: __dirname };
