/**
 * The prefix map against a naive list of (prefix, value) pairs, under random adds and deletes.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PrefixMap } from "../src/index.ts";

test("collect finds exactly the values registered under a prefix of the text", () => {
  const word = fc.string({ unit: fc.constantFrom("a", "b", "."), maxLength: 5 });
  const op = fc.record({ add: fc.boolean(), prefix: word, value: fc.nat(4) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), fc.array(word, { maxLength: 8 }), (ops, texts) => {
      const map = new PrefixMap<number>();
      const naive = new Set<string>();
      for (const o of ops) {
        const key = JSON.stringify([o.prefix, o.value]);
        if (o.add) {
          map.add(o.prefix, o.value);
          naive.add(key);
        } else {
          map.delete(o.prefix, o.value);
          naive.delete(key);
        }
      }
      assert.equal(map.size, new Set([...naive].map((k) => (JSON.parse(k) as [string])[0])).size);
      for (const text of texts) {
        const found: string[] = [];
        map.collect(text, (v) => found.push(String(v)));
        const expected = [...naive]
          .map((k) => JSON.parse(k) as [string, number])
          .filter(([p]) => text.startsWith(p))
          .map(([, v]) => String(v));
        assert.deepEqual(found.sort(), expected.sort(), text);
      }
    }),
  );
});
