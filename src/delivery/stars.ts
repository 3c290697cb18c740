import type { PaidSecond } from "./engine-state.js";

/** Telegram's free bulk rate: paid messages above it cost 0.1 Star each. */
export const FREE_RATE = 30;

/**
 * The cost of one more paid message sent at `at`, in tenths of a Star: 0.1 Star (one tenth) for each
 * paid message above the free rate within one wall-clock second. Counts it in `paid`.
 */
export function paidCostTenths(paid: PaidSecond, at: number): number {
  const second = Math.floor(at / 1000);
  if (paid.second !== second) {
    paid.second = second;
    paid.count = 0;
  }
  paid.count++;
  return paid.count > FREE_RATE ? 1 : 0;
}
