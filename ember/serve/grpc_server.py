"""The gRPC service (``ember/serve/proto/ember_serving.proto``): Predict, ModelMetadata,
Health. Bad input is answered with INVALID_ARGUMENT / NOT_FOUND, never a crash."""
from concurrent import futures

import numpy as np

from .store import ModelInputError


def _servicer_class():
    import grpc

    from .proto import ember_serving_pb2 as pb
    from .proto import ember_serving_pb2_grpc as pbg

    class Predictor(pbg.PredictorServicer):
        def __init__(self, models):
            self.models = models

        def _model(self, name, context):
            m = self.models.get(name)
            if m is None:
                context.abort(grpc.StatusCode.NOT_FOUND,
                              f"model '{name}' not found; available: {sorted(self.models)}")
            return m

        def Predict(self, request, context):
            m = self._model(request.model, context)
            shape = tuple(request.inputs.shape)
            data = np.asarray(request.inputs.data, dtype=np.float32)
            if int(np.prod(shape)) != data.size or not shape:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              f"inputs have {data.size} values but shape {list(shape)}")
            try:
                batch = m.validate(data.reshape(shape))
            except ModelInputError as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            out = m.predict(batch)
            resp = pb.PredictResponse(model=m.name, outputs=pb.Tensor(
                shape=list(out.shape), data=out.ravel().tolist()))
            tk = m.topk(out, request.top_k or 3)
            if tk is not None:
                for row in tk[0]:
                    resp.predictions.append(pb.Prediction(labels=[
                        pb.Label(label=d["label"], index=d["index"],
                                 probability=d["probability"]) for d in row]))
            return resp

        def ModelMetadata(self, request, context):
            m = self._model(request.model, context)
            md = m.metadata()

            def spec(s):
                return pb.TensorSpec(name=s["name"], shape=s["shape"], dtype=s["dtype"])
            return pb.ModelMetadataResponse(name=m.name, inputs=[spec(s) for s in md["inputs"]],
                                            outputs=[spec(s) for s in md["outputs"]],
                                            classes=m.classes or [])

        def Health(self, request, context):
            return pb.HealthResponse(status="ok")

    return Predictor, pbg


def start_grpc_server(models, port, host="127.0.0.1", workers=8):
    """Start the gRPC server in background threads; returns (server, bound_port)."""
    import grpc

    cls, pbg = _servicer_class()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers),
                         options=[("grpc.max_receive_message_length", 16 << 20)])
    pbg.add_PredictorServicer_to_server(cls(models), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"could not bind gRPC port {host}:{port}")
    server.start()
    return server, bound
