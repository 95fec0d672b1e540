import { applyCoupon } from './coupons';

export function checkout(cart) {
  const subtotal = cart.items.reduce((sum, item) => sum + item.price, 0);
  return applyCoupon(subtotal, cart.coupon);
}
