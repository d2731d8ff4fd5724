#include "engine/attempt_classifier.h"

#include <gtest/gtest.h>

namespace herald {
namespace {

struct StatusCase {
  int status;
  Verdict verdict;
};

class ClassifyStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(ClassifyStatus, MatchesTable) {
  HttpResponse response;
  response.status = GetParam().status;
  EXPECT_EQ(ClassifyAttempt(response, false).verdict, GetParam().verdict)
      << "status " << GetParam().status;
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ClassifyStatus,
    ::testing::Values(StatusCase{200, Verdict::kSuccess}, StatusCase{201, Verdict::kPermanent},
                      StatusCase{204, Verdict::kPermanent}, StatusCase{301, Verdict::kPermanent},
                      StatusCase{302, Verdict::kPermanent}, StatusCase{307, Verdict::kPermanent},
                      StatusCase{400, Verdict::kPermanent}, StatusCase{401, Verdict::kPermanent},
                      StatusCase{404, Verdict::kPermanent}, StatusCase{408, Verdict::kRetryable},
                      StatusCase{422, Verdict::kPermanent}, StatusCase{429, Verdict::kRetryable},
                      StatusCase{500, Verdict::kRetryable}, StatusCase{502, Verdict::kRetryable},
                      StatusCase{503, Verdict::kRetryable}, StatusCase{504, Verdict::kRetryable}));

struct ErrorCase {
  TransportError error;
  Verdict verdict;
};

class ClassifyTransportError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ClassifyTransportError, MatchesTable) {
  HttpResponse response;
  response.error = GetParam().error;
  const Classification result = ClassifyAttempt(response, false);
  EXPECT_EQ(result.verdict, GetParam().verdict) << TransportErrorName(GetParam().error);
  EXPECT_EQ(result.reason, TransportErrorName(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ClassifyTransportError,
    ::testing::Values(ErrorCase{TransportError::kResolveFailed, Verdict::kRetryable},
                      ErrorCase{TransportError::kConnectFailed, Verdict::kRetryable},
                      ErrorCase{TransportError::kTimeout, Verdict::kRetryable},
                      ErrorCase{TransportError::kSendFailed, Verdict::kRetryable},
                      ErrorCase{TransportError::kReceiveFailed, Verdict::kRetryable},
                      ErrorCase{TransportError::kBodyTooLarge, Verdict::kPermanent},
                      ErrorCase{TransportError::kTlsFailed, Verdict::kPermanent},
                      ErrorCase{TransportError::kInvalidRequest, Verdict::kPermanent},
                      ErrorCase{TransportError::kEgressDenied, Verdict::kPermanent}));

TEST(ClassifyAttempt, RedirectNamesLocation) {
  HttpResponse response;
  response.status = 302;
  response.headers = {{"location", "http://127.0.0.1:9/elsewhere"}};
  const Classification result = ClassifyAttempt(response, false);
  EXPECT_EQ(result.verdict, Verdict::kPermanent);
  EXPECT_EQ(result.reason, "HTTP 302: redirect to http://127.0.0.1:9/elsewhere is not followed");
}

TEST(ClassifyAttempt, RedirectWithoutLocation) {
  HttpResponse response;
  response.status = 307;
  const Classification result = ClassifyAttempt(response, false);
  EXPECT_EQ(result.verdict, Verdict::kPermanent);
  EXPECT_EQ(result.reason, "HTTP 307 without a Location header; redirects are not followed");
}

TEST(ClassifyAttempt, UsedBodyMustBeJson) {
  HttpResponse response;
  response.status = 200;
  response.body = "<html>ok</html>";
  EXPECT_EQ(ClassifyAttempt(response, true).verdict, Verdict::kPermanent);
  EXPECT_EQ(ClassifyAttempt(response, false).verdict, Verdict::kSuccess);
}

TEST(IsEmptyOrJson, AcceptsEmptyAndJson) {
  EXPECT_TRUE(IsEmptyOrJson(""));
  EXPECT_TRUE(IsEmptyOrJson("  \n"));
  EXPECT_TRUE(IsEmptyOrJson(R"({"code":"200"})"));
  EXPECT_TRUE(IsEmptyOrJson("[1, 2]"));
  EXPECT_TRUE(IsEmptyOrJson("\"モデル\""));
}

TEST(IsEmptyOrJson, RejectsInvalid) {
  EXPECT_FALSE(IsEmptyOrJson("{"));
  EXPECT_FALSE(IsEmptyOrJson("ok"));
  EXPECT_FALSE(IsEmptyOrJson("{\"a\":1} trailing"));
  EXPECT_FALSE(IsEmptyOrJson("\"\xC3\x28\""));  // Ill-formed UTF-8.
  EXPECT_FALSE(IsEmptyOrJson("{'single': 'quotes'}"));
}

}  // namespace
}  // namespace herald
