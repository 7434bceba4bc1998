import { SerializationError, jsonSerializer } from '../src';

const roundTrip = (value: unknown) => jsonSerializer.deserialize(Buffer.from(jsonSerializer.serialize(value)));

describe('jsonSerializer', () => {
  it('round-trips Date, Map, Set, BigInt and Buffer, nested', () => {
    const value = {
      when: new Date('2026-11-23T10:00:00.000Z'),
      counts: new Map<string, bigint>([['a', 12345678901234567890n]]),
      ids: new Set([1, 2, 3]),
      blob: Buffer.from([0, 1, 2, 255]),
      list: [new Date(0), { deep: new Map([[1, new Set(['x'])]]) }],
      plain: { n: 1, s: 's', b: true, z: null },
    };
    expect(roundTrip(value)).toEqual(value);
  });

  it('does not mistake a user object with the tag key for a tagged value', () => {
    const value = { '$core:type': 'Date', v: 5 };
    expect(roundTrip(value)).toEqual(value);
  });

  it.each([
    ['a function', { f: () => 1 }, /at "f" is a function/],
    ['a symbol', { s: Symbol('x') }, /at "s" is a symbol/],
    ['a class instance', { u: new (class User {})() }, /instance of User/],
    ['NaN', { n: Number.NaN }, /at "n" is NaN/],
  ])('rejects %s naming where it is', (_name, value, message) => {
    expect(() => jsonSerializer.serialize(value)).toThrow(SerializationError);
    expect(() => jsonSerializer.serialize(value)).toThrow(message);
  });

  it('rejects cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => jsonSerializer.serialize(a)).toThrow(/circular reference/);
  });
});
