/*
 * The built-ins the guards use, taken when this module loads (before any plugin code runs), the way
 * Node's own `primordials` are. Plugin code shares this realm and may replace `String.prototype.*`,
 * `WeakMap.prototype.get`, `Function.prototype.apply` and the like afterwards; a guard that called
 * them at check time could be made to approve anything, or could hand its wrapped original to a
 * replaced `apply`. Calling a function bound here never looks those up again.
 */

const { bind, call } = Function.prototype;
/** `fn.call` as a plain function: `uncurry(String.prototype.slice)(text, 1)`. */
const uncurry = bind.bind(call) as <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R) => (self: T, ...args: A) => R;

export const ReflectApply = Reflect.apply;
export const ObjectDefineProperty = Object.defineProperty;
export const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
export const ObjectGetPrototypeOf = Object.getPrototypeOf;
export const ObjectFreeze = Object.freeze;
export const ArrayIsArray = Array.isArray;
export const NumberIsInteger = Number.isInteger;
export const NumberParseInt = Number.parseInt;
export const ErrorCtor = Error;
export const SymbolDescription = uncurry(
  ObjectGetOwnPropertyDescriptor(Symbol.prototype, 'description')!.get as (this: symbol) => string | undefined,
);

export const StringSlice = uncurry(String.prototype.slice);
export const StringIndexOf = uncurry(String.prototype.indexOf);
export const StringLastIndexOf = uncurry(String.prototype.lastIndexOf);
export const StringToLowerCase = uncurry(String.prototype.toLowerCase);
export const StringCharCodeAt = uncurry(String.prototype.charCodeAt);
export const NumberToString = uncurry(Number.prototype.toString as (this: number, radix?: number) => string);

export const WeakMapGet = uncurry(WeakMap.prototype.get as (this: WeakMap<object, unknown>, key: object) => unknown);
export const WeakMapSet = uncurry(
  WeakMap.prototype.set as (this: WeakMap<object, unknown>, key: object, value: unknown) => WeakMap<object, unknown>,
);
export const MapGet = uncurry(Map.prototype.get as (this: Map<string, unknown>, key: string) => unknown);
export const MapSet = uncurry(Map.prototype.set as (this: Map<string, unknown>, key: string, value: unknown) => Map<string, unknown>);
export const MapCtor = Map;
export const WeakMapCtor = WeakMap;

/** Appends without `Array.prototype.push`, which plugin code may have replaced. */
export function append<T>(list: T[], value: T): void {
  list[list.length] = value;
}
