package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;

/**
 * What a caller hears about a run while it happens. Called on the thread that runs the
 * sandbox (never on the sandbox's own thread), in order. Every method has an empty default.
 */
public interface Listener {

    /** A no-op listener. */
    Listener NONE = new Listener() {
    };

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
