// HTTPS server and client plumbing.
