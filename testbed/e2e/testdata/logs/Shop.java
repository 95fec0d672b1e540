import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A shop that logs its errors the way Java services do, for logs_test.go: loadOrder fails
 * twice (printStackTrace), reserve once (java.util.logging, with a cause), then checkout throws
 * uncaught in the main thread. Run as `java Shop.java`.
 */
public class Shop {
    private static final Logger LOG = Logger.getLogger("shop");

    static int loadOrder(String order) {
        Map<String, Integer> prices = new HashMap<>();
        return prices.get(order) * 2;
    }

    static void reserve(String sku) {
        try {
            Integer.parseInt(sku);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("inventory service unavailable for " + sku, e);
        }
    }

    static void checkout(int items) {
        if (items == 0) {
            throw new IllegalArgumentException("cart is empty");
        }
    }

    public static void main(String[] args) {
        System.err.println("shop starting");
        for (String order : new String[] {"41", "42"}) {
            try {
                loadOrder(order);
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
            System.err.println("GET /health 200");
        }
        try {
            reserve("sku-7");
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "reserve failed", e);
        }
        checkout(0);
    }
}
