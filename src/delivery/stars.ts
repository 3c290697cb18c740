import type { PaidSecond } from "./engine-state.js";
import { paidTenths } from "./plan.js";

/**
 * The cost of one more paid message sent at `at`, in tenths of a Star, by Telegram's price
 * (`paidTenths`, the one the plan card estimates with) applied to one wall-clock second. Counts it in `paid`.
 */
export function paidCostTenths(paid: PaidSecond, at: number): number {
  const second = Math.floor(at / 1000);
  if (paid.second !== second) {
    paid.second = second;
    paid.count = 0;
  }
  paid.count++;
  return paidTenths(paid.count, 1) - paidTenths(paid.count - 1, 1);
}
