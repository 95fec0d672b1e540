const COUPONS = { WINTER: 0.1 };

export function applyCoupon(total, coupon) {
  const rate = COUPONS[coupon];
  if (rate === undefined) {
    throw new Error(`unknown coupon ${coupon}`);
  }
  return total * (1 - rate);
}
