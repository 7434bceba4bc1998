/** Jest settings for @core/migrate. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/migrate', rootDir: __dirname };
