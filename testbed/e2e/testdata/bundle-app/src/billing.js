const COUPONS = { WINTER: 0.1 };

function applyDiscount(amount, coupon) {
  const rate = COUPONS[coupon];
  if (rate === undefined) {
    throw new Error(`unknown coupon ${coupon}`);
  }
  return amount * (1 - rate);
}

module.exports = { applyDiscount };
