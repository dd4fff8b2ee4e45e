"""Fit a tiny two-layer network to a noisy sine with ember's autograd; prints the loss."""
import ember

ember.manual_seed(0)
x = ember.linspace(-3, 3, 256).reshape(-1, 1)
y = (x * 1.5).exp() / 20 + 0.05 * ember.randn(256, 1)
w1 = (ember.randn(1, 32) * 0.5).requires_grad_()
b1 = ember.zeros(32, requires_grad=True)
w2 = (ember.randn(32, 1) * 0.2).requires_grad_()
b2 = ember.zeros(1, requires_grad=True)
params = [w1, b1, w2, b2]
lr = 0.05
for step in range(301):
    h = x @ w1 + b1
    h = h * (h > 0)  # ReLU
    loss = ((h @ w2 + b2 - y) ** 2).mean()
    for p in params:
        p.grad = None
    loss.backward()
    with ember.no_grad():
        for p in params:
            p -= lr * p.grad
    if step % 50 == 0:
        print(f"step {step:4d}  loss {loss.item():.4f}")
