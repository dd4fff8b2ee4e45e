"""The gRPC service on a loopback port."""
import numpy as np
import pytest

grpc = pytest.importorskip("grpc")


@pytest.fixture(scope="module")
def stub(digit_model):
    from ember.serve.grpc_server import start_grpc_server
    from ember.serve.proto import ember_serving_pb2_grpc as pbg

    server, port = start_grpc_server({"mnist": digit_model}, 0)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield pbg.PredictorStub(channel)
    channel.close()
    server.stop(0)


def test_grpc_predict_metadata_health(stub, digit_model, digits_batch):
    from ember.serve.proto import ember_serving_pb2 as pb

    assert stub.Health(pb.HealthRequest()).status == "ok"
    md = stub.ModelMetadata(pb.ModelMetadataRequest(model="mnist"))
    assert list(md.inputs[0].shape) == [-1, 1, 28, 28] and len(md.classes) == 10
    req = pb.PredictRequest(model="mnist", top_k=2, inputs=pb.Tensor(
        shape=list(digits_batch.shape), data=digits_batch.ravel().tolist()))
    resp = stub.Predict(req)
    out = np.array(resp.outputs.data, np.float32).reshape(tuple(resp.outputs.shape))
    np.testing.assert_allclose(out, digit_model.predict(digits_batch), rtol=1e-5, atol=1e-5)
    assert len(resp.predictions) == 5 and len(resp.predictions[0].labels) == 2


def test_grpc_bad_input(stub):
    from ember.serve.proto import ember_serving_pb2 as pb

    with pytest.raises(grpc.RpcError) as e:
        stub.Predict(pb.PredictRequest(model="nope"))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as e:
        stub.Predict(pb.PredictRequest(model="mnist", inputs=pb.Tensor(shape=[2, 3],
                                                                        data=[0.0] * 6)))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expected [N, 1, 28, 28]" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        stub.Predict(pb.PredictRequest(model="mnist", inputs=pb.Tensor(shape=[5], data=[1.0])))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stub.Health(pb.HealthRequest()).status == "ok"
