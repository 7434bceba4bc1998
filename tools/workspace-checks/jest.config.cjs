/** Jest settings for the workspace checks. */
module.exports = { ...require('../../jest.preset.cjs'), displayName: '@core/workspace-checks', rootDir: __dirname };
