export { FAKE_DIGEST, FakePushStrategy, type FakeStep } from "./fake-push-strategy.js";
export { FakeCredentialsProvider, type FakeCredentialsAnswer } from "./fake-credentials-provider.js";
