/** Jest settings for @core/repo. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/repo', rootDir: __dirname };
