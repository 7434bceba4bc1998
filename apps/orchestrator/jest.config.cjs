/** Jest settings for the orchestrator. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/orchestrator', rootDir: __dirname };
