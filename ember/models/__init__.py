"""``ember.models``: the founding document's networks as reusable classes."""
from .cnn import CNN, LeNet5
from .gan import DCGANDiscriminator, DCGANGenerator, FCDiscriminator, FCGenerator, weights_init
from .resnet import BasicBlock, SmallResNet
from .rnn import RNNClassifier

__all__ = ["CNN", "LeNet5", "RNNClassifier", "DCGANGenerator", "DCGANDiscriminator",
           "FCGenerator", "FCDiscriminator", "weights_init", "SmallResNet", "BasicBlock"]
