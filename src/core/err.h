/* err.h — return codes and AWS error values.
 *
 * Every fallible function returns GR_OK, GR_ERR, or (handlers only) GR_AGAIN:
 * the request is suspended and an event will resume and finish it later, so
 * no thread ever blocks on a client or a child process.
 *
 * An AWS error is data: a definition (code, HTTP status, who is at fault) plus
 * a message formatted into the request arena. The generator emits one
 * aws_errdef_t per error shape of each service model; the common ones that any
 * service can answer live here. Only the protocol layer turns an error into a
 * wire document. */
#ifndef GR_CORE_ERR_H
#define GR_CORE_ERR_H

#include <stdbool.h>

#define GR_OK 0
#define GR_ERR (-1)
#define GR_AGAIN (-2)

typedef struct {
    const char *code; /* AWS error code, e.g. "NoSuchBucket" */
    int status;       /* HTTP status */
    bool sender;      /* client's fault (query protocol <Type>Sender</Type>) */
} aws_errdef_t;

/* Errors any service can answer (AWS "common errors"). */
extern const aws_errdef_t ERR_AccessDenied, ERR_AccessDeniedException, ERR_IncompleteSignature,
    ERR_InternalFailure, ERR_InternalError, ERR_InvalidAction, ERR_InvalidClientTokenId,
    ERR_InvalidAccessKeyId, ERR_MissingAuthenticationToken, ERR_MissingAuthenticationTokenException,
    ERR_SignatureDoesNotMatch, ERR_RequestExpired, ERR_RequestTimeTooSkewed, ERR_ValidationError,
    ERR_ValidationException, ERR_InvalidParameterValue, ERR_MissingParameter, ERR_NotImplemented,
    ERR_UnknownOperationException, ERR_SerializationException, ERR_MalformedQueryString,
    ERR_ThrottlingException, ERR_ServiceUnavailable, ERR_EntityTooLarge, ERR_InvalidArgument,
    ERR_UnrecognizedClientException, ERR_ExpiredToken, ERR_InvalidSignatureException,
    ERR_MethodNotAllowed, ERR_AuthorizationHeaderMalformed, ERR_InvalidRequest;

#endif
