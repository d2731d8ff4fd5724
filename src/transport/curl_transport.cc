// The libcurl implementation of Transport.
//
// Each Send() borrows an easy handle from a pool and performs one blocking
// transfer with it. A handle keeps its connections open between calls, so
// the next call that borrows it, on any thread, reuses them. All handles of
// a transport share one DNS cache and TLS session cache through a CURLSH.

#include "transport/curl_transport.h"

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "herald/transport.h"
#include "herald/version.h"
#include "transport/curl_egress.h"

namespace herald {
namespace {

using std::chrono::steady_clock;

// curl_global_init() must not run concurrently with other libcurl calls on
// every libcurl build, so it runs once, under a function-local static. The matching
// curl_global_cleanup() is never called, because transports may be used until the process exits.
bool InitCurlOnce() {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return initialized;
}

struct EasyHandleDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyHandleDeleter>;

struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

// The DNS cache and TLS session cache shared by the easy handles of one
// transport. libcurl calls Lock() and Unlock() around every access, from
// whichever thread performs a transfer.
//
// Connections are deliberately not shared (no CURL_LOCK_DATA_CONNECT): a
// shared connection cache is not thread-safe in libcurl ("known bug 11.11"
// in libcurl's KNOWN_BUGS, still open in Debian 12's 7.88), and under load
// it corrupted memory of transfers on other threads. Each pooled easy
// handle keeps its own connections instead; curl_easy_reset() leaves them
// open, so a handle taken from the pool reuses them.
class CurlShare {
 public:
  CurlShare() : share_(curl_share_init()) {
    if (share_ == nullptr) return;
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::Lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::Unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  // Every easy handle must be cleaned up before this runs.
  ~CurlShare() {
    if (share_ != nullptr) curl_share_cleanup(share_);
  }

  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;

  CURLSH* get() const { return share_; }

 private:
  static void Lock(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/, void* user) {
    static_cast<CurlShare*>(user)->MutexFor(data).lock();
  }

  static void Unlock(CURL* /*handle*/, curl_lock_data data, void* user) {
    static_cast<CurlShare*>(user)->MutexFor(data).unlock();
  }

  std::mutex& MutexFor(curl_lock_data data) {
    const auto index = static_cast<std::size_t>(data);
    return mutexes_[index < mutexes_.size() ? index : 0];
  }

  CURLSH* share_;
  // One mutex per kind of shared data, indexed by curl_lock_data.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

// State of one transfer that libcurl's callbacks write into.
struct Attempt {
  HttpResponse* response = nullptr;
  std::size_t max_body_bytes = 0;
  // Set when the write callback stopped the transfer at max_body_bytes.
  bool body_too_large = false;
  // Set when a callback could not store data, e.g. out of memory.
  bool callback_failed = false;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  HeaderList header_list;
  // HttpRequest::resolve_overrides, as CURLOPT_RESOLVE takes them.
  HeaderList resolve_list;
  EgressCheck egress;
};

std::string_view TrimWhitespace(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Receives the response header lines one at a time, including the status
// line and the blank line that ends each header block.
std::size_t OnHeaderLine(char* data, std::size_t size, std::size_t count, void* user) {
  auto* attempt = static_cast<Attempt*>(user);
  const std::size_t length = size * count;
  std::string_view line(data, length);
  std::vector<Header>& headers = attempt->response->headers;
  try {
    if (line.starts_with("HTTP/")) {
      // A status line starts a new header block, so only the headers of the
      // final response are kept, not those of a 100 Continue before it.
      headers.clear();
    } else if ((line.starts_with(' ') || line.starts_with('\t')) && !headers.empty()) {
      // Obsolete line folding continues the previous field's value.
      headers.back().value += " ";
      headers.back().value += TrimWhitespace(line);
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      headers.push_back({std::string(line.substr(0, colon)),
                         std::string(TrimWhitespace(line.substr(colon + 1)))});
    }
  } catch (const std::bad_alloc&) {
    attempt->callback_failed = true;
    return 0;
  }
  return length;
}

// Appends body data, and stops the transfer once the body would exceed the
// limit. Returning fewer bytes than it was given makes libcurl fail with
// CURLE_WRITE_ERROR.
std::size_t OnBodyData(char* data, std::size_t size, std::size_t count, void* user) {
  auto* attempt = static_cast<Attempt*>(user);
  const std::size_t length = size * count;
  std::string& body = attempt->response->body;
  if (length > attempt->max_body_bytes - body.size()) {
    attempt->body_too_large = true;
    return 0;
  }
  try {
    body.append(data, length);
  } catch (const std::bad_alloc&) {
    attempt->callback_failed = true;
    return 0;
  }
  return length;
}

// Returns whether `text` is an HTTP token (letters, digits and
// !#$%&'*+-.^_`|~), the syntax of methods and header names.
bool IsToken(std::string_view text) {
  constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";
  if (text.empty()) return false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool alphanumeric = (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') ||
                              (byte >= 'A' && byte <= 'Z');
    if (!alphanumeric && kTokenSymbols.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Returns why the request cannot be sent, or nullopt. Header values are not
// quoted in the message because they may carry a token.
std::optional<std::string> ValidateRequest(const HttpRequest& request) {
  if (!IsToken(request.method)) {
    return "invalid HTTP method \"" + request.method + "\": expected a token such as POST";
  }
  if (request.timeout.count() <= 0) {
    return "invalid timeout of " + std::to_string(request.timeout.count()) +
           " ms: expected a positive duration";
  }
  constexpr std::string_view kLineBreakOrNul("\r\n\0", 3);
  for (const Header& header : request.headers) {
    if (!IsToken(header.name)) {
      return "invalid header name \"" + header.name + "\": expected a token";
    }
    if (header.value.find_first_of(kLineBreakOrNul) != std::string::npos) {
      return "invalid value of header " + header.name + ": it contains CR, LF or NUL";
    }
  }
  return std::nullopt;
}

bool HasHeader(const HttpRequest& request, const char* name) {
  for (const Header& header : request.headers) {
    if (curl_strequal(header.name.c_str(), name) != 0) return true;
  }
  return false;
}

bool AppendHeaderLine(HeaderList& list, const std::string& line) {
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) return false;
  static_cast<void>(list.release());
  list.reset(head);
  return true;
}

// Builds the request's header list, plus lines that turn off headers libcurl
// would add on its own. Returns false when memory runs out.
bool BuildHeaderList(const HttpRequest& request, bool sends_body, HeaderList& list) {
  for (const Header& header : request.headers) {
    // libcurl drops a header written "Name:"; "Name;" sends it with an
    // empty value.
    const std::string line =
        header.value.empty() ? header.name + ";" : header.name + ": " + header.value;
    if (!AppendHeaderLine(list, line)) return false;
  }
  // libcurl would send "Expect: 100-continue" with large bodies and then
  // wait up to 1 s for an interim response that many receivers never send.
  if (!HasHeader(request, "Expect") && !AppendHeaderLine(list, "Expect:")) return false;
  // libcurl labels a POSTFIELDS body application/x-www-form-urlencoded;
  // sending no Content-Type is more accurate than a wrong one.
  if (sends_body && !HasHeader(request, "Content-Type") &&
      !AppendHeaderLine(list, "Content-Type:")) {
    return false;
  }
  return true;
}

// Applies options and remembers the first one libcurl rejects.
class OptionSetter {
 public:
  explicit OptionSetter(CURL* handle) : handle_(handle) {}

  template <typename Value>
  void Set(CURLoption option, Value value) {
    if (result_ == CURLE_OK) result_ = curl_easy_setopt(handle_, option, value);
  }

  CURLcode result() const { return result_; }

 private:
  CURL* handle_;
  CURLcode result_ = CURLE_OK;
};

// Selects the method and body. GET without a body and HEAD go without a
// Content-Length; every other request sends its body, even an empty one,
// with an exact Content-Length, so binary bodies with NUL bytes arrive whole.
// Returns whether a body is sent.
bool SetMethodAndBody(OptionSetter& options, const HttpRequest& request) {
  if (request.method == "HEAD") {
    options.Set(CURLOPT_NOBODY, 1L);
    return false;
  }
  if (request.method == "GET" && request.body.empty()) {
    options.Set(CURLOPT_HTTPGET, 1L);
    return false;
  }
  const char* data = request.body.empty() ? "" : request.body.data();
  options.Set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  options.Set(CURLOPT_POSTFIELDS, data);
  if (request.method != "POST") options.Set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  return true;
}

void SetTransferLimits(OptionSetter& options, const HttpRequest& request) {
  // CURLOPT_TIMEOUT_MS counts from the start of the transfer to its last
  // byte, so a receiver that trickles its response cannot stretch it.
  const auto timeout_ms = static_cast<long>(request.timeout.count());
  options.Set(CURLOPT_TIMEOUT_MS, timeout_ms);
  options.Set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);

  // Makes libcurl fail before reading a body whose Content-Length is over
  // the limit; OnBodyData() enforces the limit on bodies without one. A
  // value of 0 would mean "no limit" to libcurl, so it is not set then.
  if (request.max_response_bytes > 0) {
    options.Set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));
  }
}

void SetSafetyOptions(OptionSetter& options) {
  // libcurl must not raise SIGALRM for DNS timeouts in a threaded program.
  options.Set(CURLOPT_NOSIGNAL, 1L);
  // A webhook answered with a redirect is reported, never followed.
  options.Set(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500  // CURLOPT_PROTOCOLS_STR arrived in 7.85.0.
  options.Set(CURLOPT_PROTOCOLS_STR, "http,https");
  options.Set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  options.Set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  options.Set(CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // Webhook traffic goes straight to its URL: the proxy environment
  // variables (http_proxy, HTTPS_PROXY, ...) are ignored for every host.
  // The egress check relies on this, because through a proxy it would see
  // the proxy's address instead of the receiver's.
  options.Set(CURLOPT_NOPROXY, "*");
}

// libcurl reuses a connection only when the new transfer's primary TLS
// config matches the one the connection was opened with, and that config
// includes the CA file, VERIFYPEER, VERIFYHOST and the client certificate
// (struct ssl_primary_config in lib/vtls, since libcurl 7.55). So a
// connection opened without verification does not carry a request that
// requires it, which TlsTransportTest.NoReuseAcrossTlsSettings checks.
void SetTlsOptions(OptionSetter& options, const TlsSettings& tls) {
  if (!tls.ca_file.empty()) options.Set(CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) options.Set(CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) options.Set(CURLOPT_SSLKEY, tls.key_file.c_str());
  options.Set(CURLOPT_SSL_VERIFYPEER, tls.insecure_skip_verify ? 0L : 1L);
  options.Set(CURLOPT_SSL_VERIFYHOST, tls.insecure_skip_verify ? 0L : 2L);
}

// Installs the egress check and the test-only DNS pins. Returns false when
// memory runs out.
bool SetEgressOptions(OptionSetter& options, const HttpRequest& request, Attempt& attempt) {
  static const EgressPolicy kDefaultPolicy;
  attempt.egress.policy = request.egress != nullptr ? request.egress : &kDefaultPolicy;
  attempt.egress.url_host = UrlHost(request.url);
  options.Set(CURLOPT_OPENSOCKETFUNCTION, &OpenCheckedSocket);
  options.Set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&attempt.egress));
  options.Set(CURLOPT_PREREQFUNCTION, &CheckReusedConnection);
  options.Set(CURLOPT_PREREQDATA, static_cast<void*>(&attempt.egress));
  for (const std::string& entry : request.resolve_overrides) {
    if (!AppendHeaderLine(attempt.resolve_list, entry)) return false;
  }
  if (attempt.resolve_list) options.Set(CURLOPT_RESOLVE, attempt.resolve_list.get());
  return true;
}

CURLcode ConfigureHandle(CURL* handle, CURLSH* share, const HttpRequest& request,
                         Attempt& attempt) {
  static const std::string user_agent = std::string("herald/") + kVersion;

  OptionSetter options(handle);
  options.Set(CURLOPT_SHARE, share);
  options.Set(CURLOPT_URL, request.url.c_str());
  options.Set(CURLOPT_USERAGENT, user_agent.c_str());
  SetSafetyOptions(options);
  SetTransferLimits(options, request);
  static const TlsSettings kDefaultTls;
  SetTlsOptions(options, request.tls != nullptr ? *request.tls : kDefaultTls);
  if (!SetEgressOptions(options, request, attempt)) return CURLE_OUT_OF_MEMORY;

  options.Set(CURLOPT_ERRORBUFFER, attempt.error_buffer.data());
  options.Set(CURLOPT_HEADERFUNCTION, &OnHeaderLine);
  options.Set(CURLOPT_HEADERDATA, static_cast<void*>(&attempt));
  options.Set(CURLOPT_WRITEFUNCTION, &OnBodyData);
  options.Set(CURLOPT_WRITEDATA, static_cast<void*>(&attempt));

  const bool sends_body = SetMethodAndBody(options, request);
  if (!BuildHeaderList(request, sends_body, attempt.header_list)) return CURLE_OUT_OF_MEMORY;
  options.Set(CURLOPT_HTTPHEADER, attempt.header_list.get());
  return options.result();
}

std::string DescribeError(CURLcode code, TransportError error, const Attempt& attempt) {
  if (error == TransportError::kEgressDenied) return attempt.egress.refusal;
  if (error == TransportError::kBodyTooLarge) {
    return "response body exceeds the limit of " + std::to_string(attempt.max_body_bytes) +
           " bytes";
  }
  if (attempt.callback_failed) return "out of memory while storing the response";
  if (attempt.error_buffer[0] != '\0') return std::string(attempt.error_buffer.data());
  return curl_easy_strerror(code);
}

// Returns whether libcurl's error text reports a TLS alert from the peer.
// NOTE: this matches the OpenSSL backend's wording in libcurl 7.88
// ("OpenSSL SSL_read: ...:tlsv13 alert certificate required"); other TLS
// backends report such failures as kReceiveFailed or kSendFailed.
bool ReportsTlsAlert(std::string_view error_text) {
  return error_text.starts_with("OpenSSL SSL_") &&
         error_text.find(" alert ") != std::string_view::npos;
}

// Fills in the outcome of a finished transfer. On error the status and
// headers keep whatever arrived, and the partial body is dropped.
void FinishResponse(CURL* handle, CURLcode code, const Attempt& attempt, HttpResponse& response) {
  long status = 0;
  if (curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) {
    response.status = static_cast<int>(status);
  }
  long request_bytes = 0;
  TransferFacts facts;
  facts.body_limit_reached = attempt.body_too_large;
  facts.tls_alert_received = ReportsTlsAlert(attempt.error_buffer.data());
  facts.request_sent =
      curl_easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_bytes) == CURLE_OK &&
      request_bytes > 0;
  response.error = attempt.egress.CausedFailure(code) ? TransportError::kEgressDenied
                                                      : ClassifyCurlCode(code, facts);
  if (response.error != TransportError::kNone) {
    response.error_message = DescribeError(code, response.error, attempt);
    response.body.clear();
  }
}

class CurlTransport final : public Transport {
 public:
  HttpResponse Send(const HttpRequest& request) override;

 private:
  HttpResponse Perform(const HttpRequest& request);
  EasyHandle AcquireHandle();
  void ReleaseHandle(EasyHandle handle);

  // Declared first so that it is destroyed after every pooled handle.
  CurlShare share_;

  std::mutex mutex_;
  // Handles not in use. Reusing one keeps its settings allocated; the open
  // connections themselves live in share_.
  std::vector<EasyHandle> idle_handles_;  // Guarded by mutex_.
};

HttpResponse CurlTransport::Send(const HttpRequest& request) {
  const auto start = steady_clock::now();
  HttpResponse response = Perform(request);
  response.latency =
      std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start);
  return response;
}

HttpResponse CurlTransport::Perform(const HttpRequest& request) {
  HttpResponse response;
  if (auto problem = ValidateRequest(request)) {
    response.error = TransportError::kInvalidRequest;
    response.error_message = std::move(*problem);
    return response;
  }
  EasyHandle handle = AcquireHandle();
  if (!handle) {
    response.error = TransportError::kInvalidRequest;
    response.error_message = "libcurl failed to create an easy handle";
    return response;
  }

  Attempt attempt;
  attempt.response = &response;
  attempt.max_body_bytes = request.max_response_bytes;
  CURLcode code = ConfigureHandle(handle.get(), share_.get(), request, attempt);
  if (code == CURLE_OK) code = curl_easy_perform(handle.get());
  FinishResponse(handle.get(), code, attempt, response);

  // The reset in ReleaseHandle() clears the handle's pointers into
  // `attempt` before `attempt` goes away.
  ReleaseHandle(std::move(handle));
  return response;
}

EasyHandle CurlTransport::AcquireHandle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_handles_.empty()) {
      EasyHandle handle = std::move(idle_handles_.back());
      idle_handles_.pop_back();
      return handle;
    }
  }
  if (!InitCurlOnce()) return nullptr;
  return EasyHandle(curl_easy_init());
}

void CurlTransport::ReleaseHandle(EasyHandle handle) {
  curl_easy_reset(handle.get());
  std::lock_guard<std::mutex> lock(mutex_);
  idle_handles_.push_back(std::move(handle));
}

}  // namespace

TransportError ClassifyCurlCode(CURLcode code, TransferFacts facts) {
  switch (code) {
    case CURLE_OK:
      return TransportError::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::kResolveFailed;
    case CURLE_COULDNT_CONNECT:
      return TransportError::kConnectFailed;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::kTimeout;
    case CURLE_FILESIZE_EXCEEDED:
      return TransportError::kBodyTooLarge;
    case CURLE_WRITE_ERROR:
      return facts.body_limit_reached ? TransportError::kBodyTooLarge
                                      : TransportError::kReceiveFailed;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return TransportError::kTlsFailed;
    case CURLE_SEND_ERROR:
      return facts.tls_alert_received ? TransportError::kTlsFailed : TransportError::kSendFailed;
    case CURLE_RECV_ERROR:
      return facts.tls_alert_received ? TransportError::kTlsFailed : TransportError::kReceiveFailed;
    case CURLE_SEND_FAIL_REWIND:
      return TransportError::kSendFailed;
    case CURLE_UNSUPPORTED_PROTOCOL:
      // libcurl also reports a response without a status line (HTTP/0.9)
      // with this code, after the request went out.
      return facts.request_sent ? TransportError::kReceiveFailed : TransportError::kInvalidRequest;
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
      return TransportError::kInvalidRequest;
    default:
      // CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
      // CURLE_WEIRD_SERVER_REPLY, HTTP/2 errors and the rare rest: the
      // response did not arrive intact.
      return TransportError::kReceiveFailed;
  }
}

std::unique_ptr<Transport> MakeCurlTransport() {
  InitCurlOnce();
  return std::make_unique<CurlTransport>();
}

}  // namespace herald
