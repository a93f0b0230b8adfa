package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;

import java.time.Duration;

/**
 * What a caller hears about a run while it happens. Called on the thread that runs the
 * sandbox (never on the sandbox's own thread), in order. Every method has an empty default.
 */
public interface Listener {

    /** A no-op listener. */
    Listener NONE = new Listener() {
    };

    /**
     * This run started the helper JVM that runs sandboxes in a user namespace ({@link Sandboxes}):
     * the first such run of a build pays a JVM start, {@code took}, before its sandbox is set up;
     * later runs with the same mapping reuse it and are not told. {@code helper} is what the
     * helper says of itself ({@code "nsbox sandbox server, pid 4242, user namespace mapping the
     * caller to 0:0"}).
     */
    default void helperStarted(String helper, Duration took) {
    }

    /** One line of the system-call trace ({@code --debug}): each call as it was made. */
    default void trace(String line) {
    }

    /** Step {@code index} (0-based) is about to start. */
    default void stepStarted(int index, StepLaunch step) {
    }

    /** A step ended (or could not start). */
    default void stepFinished(StepResult result) {
    }
}
