const { applyDiscount } = require('./billing');

function checkout(cart) {
  const subtotal = cart.items.reduce((sum, item) => sum + item.price, 0);
  return applyDiscount(subtotal, cart.coupon);
}

module.exports = { checkout };
