/** Jest settings for @core/cache. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/cache', rootDir: __dirname };
