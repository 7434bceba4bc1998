export * from './errors';
export type * from './types';
export { compileFilter, type Filter, type FieldCondition, type Predicate } from './filter';
export { scoreFromDistance, exactScore } from './score';
export { MAX_TOP_K } from './validate';
export { kmeans, type KMeansOptions, type KMeansResult } from './analytics/kmeans';
export { outliers, type OutlierOptions, type OutlierResult } from './analytics/outliers';
