import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSumExp } from './log-sum-exp';

const close = (got: number, want: number, tol: number) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${got} vs ${want}`);

test('logSumExp does not overflow or underflow', () => {
  close(logSumExp([1000, 1000]), 1000 + Math.log(2), 1e-15);
  close(logSumExp([-1000, -1000]), -1000 + Math.log(2), 1e-15);
  close(logSumExp([0, Math.log(2), Math.log(3)]), Math.log(6), 1e-15);
  assert.equal(logSumExp([-Infinity, -Infinity]), -Infinity);
  assert.equal(logSumExp([]), -Infinity);
});
