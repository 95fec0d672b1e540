import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shop that logs its errors as JSON through logback and logstash-logback-encoder's
 * LogstashEncoder (configured by logback-json.xml), for logs_test.go's
 * TestJSONLogsOfRealLoggers: loadOrder fails twice, reserve once (with a cause); each record
 * carries the stack in "stack_trace". Run as `java -cp <logback, slf4j, encoder, jackson jars>
 * -Dlogback.configurationFile=logback-json.xml ShopLogback.java`.
 */
public class ShopLogback {
    private static final Logger LOG = LoggerFactory.getLogger("shop");

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

    public static void main(String[] args) {
        LOG.info("shop starting");
        for (String order : new String[] {"41", "42"}) {
            try {
                loadOrder(order);
            } catch (RuntimeException e) {
                LOG.error("load order {} failed", order, e);
            }
        }
        try {
            reserve("sku-7");
        } catch (RuntimeException e) {
            LOG.error("reserve failed", e);
        }
    }
}
