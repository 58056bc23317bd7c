/**
 * A table's own entry for a key that came from outside (an alert word, a URL segment, a config key),
 * or undefined: never a member of Object.prototype ("__proto__", "constructor", "toString"…).
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
