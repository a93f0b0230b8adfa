package dev.nsbox.mounts;

/** The four propagation types of sharedsubtree.rst, section 2. */
public enum PropagationType { SHARED, PRIVATE, SLAVE, UNBINDABLE }
