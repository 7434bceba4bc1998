/** Jest settings for @core/vector. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/vector', rootDir: __dirname };
