# A shop that logs its errors the way Ruby services do (the standard library's Logger given the
# exception), for logs_test.go: load_order fails twice and reserve once, then checkout raises
# an uncaught exception (exit status 1).
require 'logger'

class InventoryError < StandardError; end

ORDERS = { '43' => { total: 10 } }.freeze

def load_order(order)
  ORDERS.fetch(order)
end

def reserve(sku)
  raise InventoryError, "inventory service unavailable for #{sku}"
end

def checkout(cart)
  cart[:total] / cart[:items]
end

$stderr.sync = true
log = Logger.new($stderr)
log.info('shop starting')
%w[41 42].each do |order|
  begin
    load_order(order)
  rescue KeyError => e
    log.error(e)
  end
  log.info('GET /health 200')
end
begin
  reserve('sku-7')
rescue InventoryError => e
  log.error(e)
end
log.info('checking out')
checkout({ total: 10, items: 0 })
