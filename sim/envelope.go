package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Gateway errors shared by every product (reference §1.7).
var (
	errInternal = Errorf(http.StatusInternalServerError, "InternalError",
		"The request processing has failed due to some unknown error.")
	errUnavailable = Errorf(http.StatusServiceUnavailable, "ServiceUnavailable",
		"The request has failed due to a temporary failure of the server.")
	errThrottled = Errorf(http.StatusBadRequest, "Throttling.User",
		"Request was denied due to user flow control.")
)

func errInvalid(format string, args ...any) *APIError {
	return Errorf(http.StatusBadRequest, "InvalidParameter", format, args...)
}

// hostID is the service host a product answers as, in error bodies and in
// the eventSource of events.
func hostID(product, region string) string {
	switch product {
	case ProductRAM:
		return "ram.aliyuncs.com"
	case ProductIMS:
		return "ims.aliyuncs.com"
	case ProductSTS:
		return "sts.aliyuncs.com"
	case ProductActionTrail:
		return "actiontrail." + region + ".aliyuncs.com"
	}
	return "aliyuncs.com"
}

// errorBody renders an APIError as the gateway's JSON envelope. Every
// field is a string and AccessDeniedDetail an object: the classic SDK reads
// them with unchecked type assertions.
func errorBody(e *APIError, product, region, requestID string) map[string]any {
	body := map[string]any{
		"RequestId": requestID,
		"HostId":    hostID(product, region),
		"Code":      e.Code,
		"Message":   e.Message,
		"Recommend": recommendURL(e.Code, product, requestID),
	}
	if len(e.AccessDenied) > 0 {
		detail := make(map[string]any, len(e.AccessDenied))
		for k, v := range e.AccessDenied {
			detail[k] = v
		}
		body["AccessDeniedDetail"] = detail
	}
	return body
}

func recommendURL(code, product, requestID string) string {
	q := url.Values{}
	q.Set("q", code)
	q.Set("product", product)
	q.Set("requestId", requestID)
	return "https://api.aliyun.com/troubleshoot?" + q.Encode()
}

// successBody adds the RequestId to a handler's answer.
func successBody(m map[string]any, requestID string) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out["RequestId"] = requestID
	return out
}

// writeJSON sends one JSON answer. Encoding errors cannot be reported to a
// client that already has the status line, so a body that fails to encode
// is replaced by a fixed internal error before anything is written.
func writeJSON(rw http.ResponseWriter, status int, body map[string]any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"Code":"InternalError","Message":"response encoding failed"}`)
	}
	h := rw.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if id, ok := body["RequestId"].(string); ok {
		h.Set("x-acs-request-id", id)
	}
	rw.WriteHeader(status)
	_, _ = rw.Write(data)
}
