package com.acme.shop;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

// Gen throws real exceptions on the local JVM and writes their printStackTrace output to
// testdata/java/real_*.txt. Run it with gen.sh; line numbers below are asserted by the tests.
public class Gen {
    static class Cart {
        String owner;

        int ownerLength() {
            return owner.length();
        }
    }

    static class Resource implements AutoCloseable {
        @Override
        public void close() throws IOException {
            throw new IOException("close failed");
        }
    }

    static class Config {
        static final int PORT = Integer.parseInt("eighty");
    }

    static int parsePrice(String s) {
        return Integer.parseInt(s);
    }

    static void loadOrder(String price) {
        try {
            parsePrice(price);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("order 42 has a bad price", e);
        }
    }

    public static void checkout(String price) {
        loadOrder(price);
    }

    static void useResource() throws IOException {
        try (Resource r = new Resource()) {
            throw new IllegalArgumentException("payment declined");
        }
    }

    static void streamTotals() {
        List.of(new Cart()).stream().map(Cart::ownerLength).forEach(n -> {});
    }

    static void lambdaThrows() {
        Runnable r = () -> {
            throw new UnsupportedOperationException("not yet");
        };
        r.run();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Map<String, Runnable> cases = new java.util.LinkedHashMap<>();
        cases.put("real_npe_stream", Gen::streamTotals);
        cases.put("real_caused_by", () -> checkout("12,5"));
        cases.put("real_suppressed", () -> {
            try {
                useResource();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        cases.put("real_lambda", Gen::lambdaThrows);
        cases.put("real_clinit", () -> System.out.println(Config.PORT));
        cases.put("real_reflection", () -> {
            try {
                Method m = Gen.class.getMethod("checkout", String.class);
                m.invoke(null, "x");
            } catch (ReflectiveOperationException e) {
                throw new RuntimeException("handler failed", e);
            }
        });
        for (Map.Entry<String, Runnable> c : cases.entrySet()) {
            try {
                c.getValue().run();
            } catch (Throwable t) {
                StringWriter w = new StringWriter();
                t.printStackTrace(new PrintWriter(w));
                Files.writeString(dir.resolve(c.getKey() + ".txt"), w.toString());
            }
        }
    }
}
