package dev.nsbox.exec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The protocol between a caller and its helper JVM ({@link SandboxServer}, {@link HelperClient}),
 * over the helper's standard input (requests) and standard output (replies): one frame after
 * another, each {@code byte type, int id, value}, the value in {@link RecordCodec}'s form and
 * {@code id} the run it belongs to. The helper first says {@link Message#HELLO}. Runs proceed
 * concurrently, so the frames of several runs interleave.
 *
 * <p>Pure: reads and writes frames, nothing else.
 */
final class HelperProtocol {

    private HelperProtocol() {
    }

    /** The type of a frame, with the byte that stands for it on the wire. */
    enum Message {
        /** Reply, first and once: a description of the helper (value: a string). */
        HELLO('H'),
        /**
         * Request: run a plan (value: list of the {@code Plan}, the grace {@code Duration}, the
         * shutdown-hook flag).
         */
        PLAN('P'),
        /** Request: send a signal to the run's step (value: the signal number). */
        SIGNAL('K'),
        /** Request: cancel the run (value: 0). */
        CANCEL('C'),
        /**
         * Request: serve test forks from the helper ({@link ForkServer}, for as long as the helper
         * lives; value: list of the socket's folder as a string, the {@code Plan}, the
         * {@code ForkServer.Command}, the grace {@code Duration}).
         */
        FORKS('L'),
        /**
         * Reply to {@link #FORKS}, once: list of a {@code Boolean} (whether it listens) and the
         * socket's path or, when it does not listen, why.
         */
        SERVING('A'),
        /** Reply: a line of a fork server's log (a refused or failed fork), for the build log. */
        LOG('W'),
        /** Reply: a line of the step's standard output. */
        STDOUT('O'),
        /** Reply: a line of the step's standard error. */
        STDERR('E'),
        /** Reply: a trace line. */
        TRACE('T'),
        /** Reply: step N started (value: its index). */
        STEP_STARTED('S'),
        /** Reply: a step ended (value: its {@code StepResult}). */
        STEP_FINISHED('F'),
        /** Reply, last of a run: its {@code RunResult}. */
        RESULT('R');

        final byte code;

        Message(char code) {
            this.code = (byte) code;
        }

        /** The message for {@code code}, or {@code null} for a byte this protocol does not know. */
        static Message of(byte code) {
            for (Message m : values()) {
                if (m.code == code) {
                    return m;
                }
            }
            return null;
        }
    }

    /** One frame as read: {@link #message()} is {@code null} for an unknown type byte. */
    record Frame(byte code, int id, Object value) {

        Message message() {
            return Message.of(code);
        }
    }

    /** Writes one frame; the caller flushes and keeps frames of several threads apart. */
    static void write(DataOutputStream out, Message message, int id, Object value) throws IOException {
        out.writeByte(message.code);
        out.writeInt(id);
        RecordCodec.write(out, value);
    }

    /** Reads one frame; {@link java.io.EOFException} at the end of the stream. */
    static Frame read(DataInputStream in) throws IOException {
        byte code = in.readByte();
        int id = in.readInt();
        return new Frame(code, id, RecordCodec.read(in));
    }
}
