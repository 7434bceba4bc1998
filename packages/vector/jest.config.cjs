/** Jest settings for @core/vector. */
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: '@core/vector',
  rootDir: __dirname,
  // ml-kmeans and its ml-* helpers ship ES modules only: let SWC turn them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(ml-[a-z-]+|is-any-array|cheminfo-types|fft\\.js|spline-interpolator|d3-array|internmap)/)'],
};
