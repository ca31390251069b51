// The system OpenSSL (Debian: libssl-dev, libssl3 at run time) for the supervisor's health probes.
// The supervisor links it instead of SwiftNIO's bundled BoringSSL: the shared library's pages are
// shared with every other process on the machine that uses OpenSSL.
#ifndef SWIFTLET_COPENSSL_SHIM_H
#define SWIFTLET_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

// Macros Swift cannot import, as functions.

static inline long swiftlet_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return SSL_CTX_set_min_proto_version(context, version);
}

static inline long swiftlet_SSL_CTX_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

static inline long swiftlet_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long swiftlet_SSL_CTX_add1_chain_cert(SSL_CTX *context, X509 *certificate) {
    return SSL_CTX_add1_chain_cert(context, certificate);
}

static inline int swiftlet_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline long swiftlet_SSL_MODE_AUTO_RETRY(void) { return SSL_MODE_AUTO_RETRY; }
static inline unsigned long swiftlet_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }

#endif
