import { InvalidOptionsError } from '../errors';

/** A parsed expression of the PromQL subset the in-process evaluator runs. */
export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'time' }
  | { kind: 'selector'; name: string; matchers: Matcher[]; rangeMs?: number }
  | { kind: 'call'; fn: 'increase' | 'rate'; arg: Extract<Expr, { kind: 'selector' }> }
  | { kind: 'aggregate'; op: 'sum' | 'max' | 'min' | 'avg' | 'count'; by: string[]; arg: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and'; left: Expr; right: Expr };

/** A label matcher of a selector. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([a-zA-Z_:][a-zA-Z0-9_:]*)|("(?:[^"\\]|\\.)*")|(=~|!~|==|!=|>=|<=|[-+*/(){}\[\],=<>]))/y;
const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration (`5m`, `26h`) into milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new InvalidOptionsError(`"${text}" is not a duration like 30s, 5m or 1h`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * Parses the PromQL subset the evaluator runs: numbers, `time()`, selectors with `= != =~ !~` matchers,
 * `increase` / `rate` over a range, `sum | max | min | avg | count [by (…)]`, `+ - * /`, comparisons
 * (filtering) and `and`. Anything else is an `InvalidOptionsError` naming the rule, so a rule the process
 * cannot evaluate is refused when it is added, not ignored.
 */
export function parseExpression(text: string, rule: string): Expr {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (!match) throw new InvalidOptionsError(`alert ${rule}: cannot read "${text.slice(position, position + 20)}" in ${text}`);
    tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4]!);
    position = TOKEN.lastIndex;
  }
  let at = 0;
  const fail = (what: string): never => {
    throw new InvalidOptionsError(`alert ${rule}: ${what} at "${tokens.slice(at, at + 4).join(' ') || 'the end'}" in ${text} (the in-process evaluator runs a subset of PromQL: see the README)`);
  };
  const peek = () => tokens[at];
  const take = (expected?: string): string => {
    const token = tokens[at];
    if (token === undefined || (expected !== undefined && token !== expected)) return fail(expected ? `expected "${expected}"` : 'unexpected end');
    at++;
    return token;
  };
  const labels = (): string[] => {
    take('(');
    const names: string[] = [];
    while (peek() !== ')') {
      names.push(take());
      if (peek() === ',') take(',');
    }
    take(')');
    return names;
  };
  const selector = (name: string): Extract<Expr, { kind: 'selector' }> => {
    const matchers: Matcher[] = [];
    if (peek() === '{') {
      take('{');
      while (peek() !== '}') {
        const label = take();
        const op = take();
        if (op !== '=' && op !== '!=' && op !== '=~' && op !== '!~') fail('expected a label matcher');
        const quoted = take();
        if (!quoted.startsWith('"')) fail('expected a quoted value');
        matchers.push({ label, op: op as Matcher['op'], value: JSON.parse(quoted) as string });
        if (peek() === ',') take(',');
      }
      take('}');
    }
    if (peek() === '[') {
      take('[');
      const amount = take();
      const unit = /^\d+$/.test(amount) ? take() : '';
      take(']');
      return { kind: 'selector', name, matchers, rangeMs: parseDuration(`${amount}${unit}`) };
    }
    return { kind: 'selector', name, matchers };
  };
  const primary = (): Expr => {
    const token = take();
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (token === '(') {
      const inner = expression();
      take(')');
      return inner;
    }
    if (token === '-') return { kind: 'binary', op: '*', left: { kind: 'number', value: -1 }, right: primary() };
    if (token === 'time') {
      take('(');
      take(')');
      return { kind: 'time' };
    }
    if (token === 'increase' || token === 'rate') {
      take('(');
      const arg = selector(take());
      if (arg.rangeMs === undefined) fail(`${token}() needs a range selector`);
      take(')');
      return { kind: 'call', fn: token, arg };
    }
    if (['sum', 'max', 'min', 'avg', 'count'].includes(token) && (peek() === '(' || peek() === 'by')) {
      let by: string[] = [];
      if (peek() === 'by') {
        take('by');
        by = labels();
      }
      take('(');
      const arg = expression();
      take(')');
      if (peek() === 'by') {
        take('by');
        by = labels();
      }
      return { kind: 'aggregate', op: token as 'sum', by, arg };
    }
    if (/^[a-zA-Z_:]/.test(token)) return selector(token);
    return fail('unexpected token');
  };
  const binary = (operators: string[], next: () => Expr) => (): Expr => {
    let left = next();
    while (peek() !== undefined && operators.includes(peek()!)) {
      const op = take() as Extract<Expr, { kind: 'binary' }>['op'];
      left = { kind: 'binary', op, left, right: next() };
    }
    return left;
  };
  const multiplicative = binary(['*', '/'], primary);
  const additive = binary(['+', '-'], multiplicative);
  const comparison = binary(['==', '!=', '>', '<', '>=', '<='], additive);
  const expression = binary(['and'], comparison);
  const parsed = expression();
  if (at < tokens.length) fail('unexpected token');
  return parsed;
}
