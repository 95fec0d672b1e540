<?php
// A shop that logs its errors the way PHP services do (error_log of the exception, into the
// file that the error_log setting names), for logs_test.go: loadOrder fails twice and reserve
// once, then checkout throws an uncaught exception (a fatal error, exit status 255).

class InventoryException extends RuntimeException {}

function loadOrder(string $order): array {
    $orders = ['43' => ['total' => 10]];
    if (!isset($orders[$order])) {
        throw new OutOfBoundsException("no order $order");
    }
    return $orders[$order];
}

function reserve(string $sku): void {
    throw new InventoryException("inventory service unavailable for $sku");
}

function checkout(array $cart): int {
    return intdiv($cart['total'], $cart['items']);
}

error_log('shop starting');
foreach (['41', '42'] as $order) {
    try {
        loadOrder($order);
    } catch (OutOfBoundsException $e) {
        error_log((string) $e);
    }
    error_log('GET /health 200');
}
try {
    reserve('sku-7');
} catch (InventoryException $e) {
    error_log('reserve failed: ' . $e);
}
error_log('checking out');
checkout(['total' => 10, 'items' => 0]);
