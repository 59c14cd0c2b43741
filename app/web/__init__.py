"""The browser app: the reader's chat at / and the admin console at /console."""
