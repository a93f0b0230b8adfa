package dev.nsbox.bench;

/** The cold-start baseline: a JVM that prints hello and ends, nothing else. */
public final class Hello {

    private Hello() {
    }

    public static void main(String[] args) {
        System.out.println("hello");
    }
}
