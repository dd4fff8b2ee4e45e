"""The ember command line, end to end on the offline digits data and the real MNIST files."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist")
pytest.importorskip("sklearn")


def ember_cli(*args, env=None, check=True):
    e = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
    r = subprocess.run([sys.executable, "-m", "ember", *args], capture_output=True, text=True,
                       env=e, cwd=ROOT, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def test_train_eval_predict_digits(tmp_path):
    out = tmp_path / "run"
    ember_cli("train", "cnn", "--dataset", "digits", "--epochs", "6", "--out", str(out),
              "--quiet")
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    assert rows[-1]["test_acc"] > 0.85
    for f in ("config.json", "checkpoint.pt", "loss.png", "accuracy.png", "confusion.png"):
        assert (out / f).exists(), f
    r = ember_cli("eval", str(out))
    acc = float(r.stdout.split("accuracy")[1].split()[0])
    assert abs(acc - rows[-1]["test_acc"]) < 1e-4  # printed with 4 decimals
    from PIL import Image

    img = ember.vision.datasets.Digits(train=False).data[0]
    Image.fromarray(img).save(tmp_path / "d.png")
    r = ember_cli("predict", str(out), str(tmp_path / "d.png"), "-k", "2")
    assert r.stdout.count("(") == 2


def test_resume_after_kill_matches_uninterrupted(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["train", "cnn", "--dataset", "digits", "--epochs", "3", "--quiet", "--no-plots",
              "--limit", "600"]
    ember_cli(*common, "--out", str(a))
    killed = ember_cli(*common, "--out", str(b), env={"EMBER_CRASH_AT": "2:4"}, check=False)
    assert killed.returncode != 0  # killed in the middle of epoch 2
    assert len(open(b / "metrics.jsonl").read().splitlines()) == 1
    ember_cli("train", "--resume", str(b), "--quiet", "--no-plots")
    sa = ember.load(str(a / "checkpoint.pt"))["model"]
    sb = ember.load(str(b / "checkpoint.pt"))["model"]
    assert sa.keys() == sb.keys()
    for k in sa:
        np.testing.assert_array_equal(sa[k].numpy(), sb[k].numpy())


def test_bad_input_gives_one_line_errors(tmp_path):
    r = ember_cli("train", "cnn", "--dataset", "mnist", "--data-dir", str(tmp_path / "nope"),
                  check=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "not found" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    (bad / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    r = ember_cli("train", "cnn", "--dataset", "mnist", "--data-dir", str(bad), check=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "corrupt" in r.stderr
    r = ember_cli("train", "transformerxl", check=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    r = ember_cli("eval", str(tmp_path / "missing"), check=False)
    assert r.returncode != 0 and "does not exist" in r.stderr


def test_checkpoint_from_other_architecture(tmp_path):
    out = tmp_path / "run"
    ember_cli("train", "cnn", "--dataset", "digits", "--epochs", "1", "--out", str(out),
              "--quiet", "--no-plots", "--limit", "200")
    cfg = json.loads((out / "config.json").read_text())
    cfg["model"], cfg["model_config"] = "gru", {"input_dim": 8, "output_dim": 10, "cell": "gru"}
    (out / "config.json").write_text(json.dumps(cfg))
    r = ember_cli("eval", str(out), check=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "does not fit" in r.stderr or "no 'model'" in r.stderr


def test_run_unmodified_torch_script(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "from torch.utils.data import TensorDataset, DataLoader\n"
        "torch.manual_seed(0)\nx = torch.randn(64, 4); y = (x.sum(1) > 0).long()\n"
        "m = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))\n"
        "opt = torch.optim.Adam(m.parameters(), lr=0.05)\n"
        "for _ in range(50):\n    opt.zero_grad(); loss = F.cross_entropy(m(x), y)\n"
        "    loss.backward(); opt.step()\n"
        "print('backend', type(x).__module__, 'loss', round(loss.item(), 3))\n")
    r = ember_cli("run", str(script))
    assert "backend ember" in r.stdout
    assert float(r.stdout.split("loss")[1]) < 0.2
    script.write_text("import torch\ntorch.fft.fft(torch.zeros(4))\n")
    r = ember_cli("run", str(script), check=False)
    assert r.returncode != 0 and "torch.fft" in r.stderr


def test_gan_train_sample_and_score(tmp_path):
    gan, clf = tmp_path / "gan", tmp_path / "clf"
    ember_cli("train", "gan", "--dataset", "digits", "--epochs", "2", "--out", str(gan),
              "--quiet", "--workers", "2")
    rows = [json.loads(line) for line in open(gan / "metrics.jsonl")]
    assert len(rows) == 2 and all(np.isfinite(r["loss_D"]) for r in rows)
    assert (gan / "samples_epoch002.png").exists() and (gan / "gan_losses.png").exists()
    ember_cli("sample", str(gan), "-n", "16", "-o", str(tmp_path / "grid.png"))
    from PIL import Image

    assert Image.open(tmp_path / "grid.png").size == (8 * 10 + 2, 2 * 10 + 2)
    ember_cli("train", "cnn", "--dataset", "digits", "--epochs", "1", "--out", str(clf),
              "--quiet", "--no-plots")
    r = ember_cli("eval", str(gan), "--classifier", str(clf), "-n", "500")
    score = float(r.stdout.rsplit(":", 1)[1])
    assert 1.0 <= score <= 10.0


def test_gan_ema_resume_after_kill_matches_uninterrupted(tmp_path):
    """--ema keeps an averaged generator in the checkpoint; a run killed mid-epoch and resumed
    ends with exactly the weights (G, D and the average) of an uninterrupted one, and the
    averaged generator is the one eval/sample load."""
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["train", "gan", "--dataset", "digits", "--epochs", "2", "--quiet", "--no-plots",
              "--limit", "512", "--ema", "0.9"]
    ember_cli(*common, "--out", str(a))
    killed = ember_cli(*common, "--out", str(b), env={"EMBER_CRASH_AT": "2:3"}, check=False)
    assert killed.returncode != 0
    ember_cli("train", "--resume", str(b), "--quiet", "--no-plots")
    sa, sb = ember.load(str(a / "checkpoint.pt")), ember.load(str(b / "checkpoint.pt"))
    for part in ("G", "D", "G_ema"):
        assert sa[part].keys() == sb[part].keys()
        for k in sa[part]:
            np.testing.assert_array_equal(sa[part][k].numpy(), sb[part][k].numpy(), err_msg=k)
    assert int(sa["G_ema"]["n_averaged"]) == 2 * 8  # one update per generator step
    from ember.cli.loadrun import load_run

    _, (G, _) = load_run(str(a))
    w = sa["G_ema"]["module.main.0.weight"].numpy()
    np.testing.assert_array_equal(G.main[0].weight.detach().numpy(), w)
    assert not np.array_equal(w, sa["G"]["main.0.weight"].numpy())


@pytest.mark.skipif(not os.path.isdir(MNIST), reason="MNIST files not in ../shared/data")
def test_dcgan_ema_batchnorm_statistics(tmp_path):
    """With batch norm, the averaged DCGAN generator gets statistics measured for its own
    weights (not the trained G's running averages) before it renders samples."""
    out = tmp_path / "dc"
    ember_cli("train", "dcgan", "--dataset", "mnist", "--data-dir", MNIST, "--epochs", "1",
              "--limit", "256", "--quiet", "--ema", "0.5", "--out", str(out))
    st = ember.load(str(out / "checkpoint.pt"))
    ema_mean = st["G_ema"]["module.main.1.running_mean"].numpy()
    assert not np.allclose(ema_mean, st["G"]["main.1.running_mean"].numpy())
    assert (out / "samples_epoch001.png").exists()
    ember_cli("sample", str(out), "-n", "8", "-o", str(tmp_path / "g.png"))


@pytest.mark.skipif(not os.path.isdir(MNIST), reason="MNIST files not in ../shared/data")
def test_dcgan_spectral_norm_hinge_options_survive_resume(tmp_path):
    out = tmp_path / "sn"
    ember_cli("train", "dcgan", "--dataset", "mnist", "--data-dir", MNIST, "--epochs", "1",
              "--limit", "128", "--quiet", "--no-plots", "--spectral-norm", "--gan-loss",
              "hinge", "--g-head", "32", "--ngf", "16", "--ndf", "8", "--betas", "0", "0.9",
              "--out", str(out))
    cfg = json.load(open(out / "config.json"))
    assert cfg["model_config"]["D"]["spectral_norm"] is True
    assert cfg["model_config"]["G"]["head"] == 32 and cfg["gan_loss"] == "hinge"
    assert cfg["model_config"]["G"]["ngf"] == 16 and cfg["model_config"]["D"]["ndf"] == 8
    ember_cli("train", "--resume", str(out), "--epochs", "2", "--quiet", "--no-plots")
    st = ember.load(str(out / "checkpoint.pt"))
    assert st["epoch"] == 2 and "main.0.weight_orig" in st["D"]
    assert tuple(st["G"]["main.0.weight"].shape) == (100, 32, 7, 7)
    assert tuple(st["G"]["main.3.weight"].shape) == (32, 16, 4, 4)
    assert tuple(st["D"]["main.2.weight_orig"].shape) == (16, 8, 4, 4)
    for opt in ("opt_G", "opt_D"):
        assert st[opt]["param_groups"][0]["betas"] == (0.0, 0.9)
    ember_cli("sample", str(out), "-n", "4", "-o", str(tmp_path / "g.png"))


def test_gan_losses_match_their_definitions():
    from ember.cli.gan import _losses

    real, fake = ember.tensor([2.0, 0.5, -1.0]), ember.tensor([-2.0, 0.3, 1.5])
    d, g = _losses("hinge")
    assert d(real, fake).item() == pytest.approx((0 + 0.5 + 2) / 3 + (0 + 1.3 + 2.5) / 3)
    assert g(fake).item() == pytest.approx(-(-2.0 + 0.3 + 1.5) / 3)
    d, g = _losses("bce", real_label=0.9)
    tr, tf = torch_bce(real.numpy(), 0.9), torch_bce(fake.numpy(), 0.0)
    assert d(real, fake).item() == pytest.approx(tr + tf, rel=1e-6)
    assert g(fake).item() == pytest.approx(torch_bce(fake.numpy(), 1.0), rel=1e-6)


def torch_bce(logits, target):
    import torch

    t = torch.tensor(logits)
    return torch.nn.functional.binary_cross_entropy_with_logits(
        t, torch.full_like(t, target)).item()


def test_gan_lr_tail_decay_schedule(tmp_path):
    """--lr-decay-from E: constant until epoch E, then linear to zero at the last epoch; set on
    resume, it takes effect from there (the factor depends on the position only)."""
    from ember.cli.gan import _lr_factor

    cfg = {"epochs": 10, "lr_decay_from": 6}
    assert [_lr_factor(cfg, t) for t in (0, 6, 8, 10)] == [1.0, 1.0, 0.5, 0.0]
    assert _lr_factor({"epochs": 10}, 9.5) == 1.0
    out = tmp_path / "g"
    common = ["--quiet", "--no-plots"]
    ember_cli("train", "gan", "--dataset", "digits", "--epochs", "1", "--limit", "256",
              "--out", str(out), *common)
    ember_cli("train", "--resume", str(out), "--epochs", "3", "--lr-decay-from", "1", *common)
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    lr = json.load(open(out / "config.json"))["lr"]
    # last step of epoch 2 is at t = 1 + 3/4 (4 steps of 64): factor (3 - 1.75) / 2
    assert rows[0]["lr"] == lr and rows[1]["lr"] == pytest.approx(lr * 0.625)
    assert rows[2]["lr"] == pytest.approx(lr * 0.125)
    # a second schedule at a new base lr: --lr on resume, recorded in config.json
    ember_cli("train", "--resume", str(out), "--epochs", "5", "--lr-decay-from", "3",
              "--lr", "1e-4", *common)
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert json.load(open(out / "config.json"))["lr"] == 1e-4
    assert rows[3]["lr"] == pytest.approx(1e-4 * 0.625)


def test_resume_refuses_changed_run_options(tmp_path):
    out = tmp_path / "c"
    ember_cli("train", "cnn", "--dataset", "digits", "--epochs", "1", "--limit", "128",
              "--out", str(out), "--quiet", "--no-plots")
    r = ember_cli("train", "--resume", str(out), "--epochs", "2", "--lr", "0.1", "--quiet",
                  check=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "--lr cannot change on --resume of a 'cnn' run" in r.stderr
    # the options that define the run cannot change either (they would be ignored otherwise)
    for extra, msg in ((["--batch-size", "32"], "--batch-size 32 differs from the resumed "
                        "run's 64"), (["--optimizer", "sgd"], "--optimizer sgd differs"),
                       (["gru"], "model gru differs from the resumed run's 'cnn'")):
        r = ember_cli("train", *extra, "--resume", str(out), "--epochs", "2", "--quiet",
                      check=False)
        assert r.returncode != 0 and msg in r.stderr, r.stderr
    # the same values as the run's are fine
    ember_cli("train", "cnn", "--resume", str(out), "--epochs", "2", "--optimizer", "adam",
              "--quiet", "--no-plots")


def test_betas_flag_reaches_adam_and_is_refused_elsewhere():
    from ember.cli.train import CLIError, make_optimizer

    p = [ember.zeros(2, requires_grad=True)]
    assert make_optimizer("adam", p, 0.1, gan=True).param_groups[0]["betas"] == (0.5, 0.999)
    assert make_optimizer("adam", p, 0.1).param_groups[0]["betas"] == (0.9, 0.999)
    assert make_optimizer("adamw", p, 0.1, betas=[0, 0.9]).param_groups[0]["betas"] == (0.0, 0.9)
    with pytest.raises(CLIError, match="--betas applies to adam and adamw, not 'sgd'"):
        make_optimizer("sgd", p, 0.1, betas=(0.0, 0.9))


def test_gan_step_leaves_discriminator_trainable_and_matches_full_grads(tmp_path):
    """G's step computes only D's input gradient (D.requires_grad_(False) around it): the
    generator's gradient is the same as with D's weight gradients computed, and D is
    trainable again afterwards."""
    from ember.models import DCGANDiscriminator, DCGANGenerator

    ember.manual_seed(0)
    G, D = DCGANGenerator(ngf=8), DCGANDiscriminator(ndf=4, spectral_norm=True)
    z = ember.randn(4, 100)
    grads = []
    for freeze in (False, True):
        G.zero_grad()
        D.zero_grad()
        D.eval()  # no power iteration: both passes see the same normalised weights
        D.requires_grad_(not freeze)
        (-D(G(z)).mean()).backward()
        D.requires_grad_(True)
        grads.append([p.grad.numpy().copy() for p in G.parameters()])
        if freeze:
            assert all(p.grad is None for p in D.parameters())
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)
    assert all(p.requires_grad for p in D.parameters())


@pytest.mark.parametrize("loss", ["hinge", "bce"])
def test_gan_step_matches_pytorch_loop_in_float64(loss):
    """The step `ember train dcgan` runs (``gan_step``: D on real and detached fakes, then G
    through D, Adam on both, a spectral-normalised D) gives the same losses and weights as the
    same loop written in PyTorch, from the same weights, batches and noise, step after step
    (float64, so that any difference in the algorithm shows above the rounding)."""
    torch = pytest.importorskip("torch")
    from ember.cli.gan import _losses, gan_step
    from ember.models import DCGANDiscriminator, DCGANGenerator, weights_init

    ember.manual_seed(0)
    G, D = DCGANGenerator(ngf=8), DCGANDiscriminator(ndf=4, spectral_norm=True)
    G.apply(weights_init)
    G, D = G.double(), D.double()
    tn, sn = torch.nn, torch.nn.utils.spectral_norm
    tG = tn.Sequential(
        tn.ConvTranspose2d(100, 16, 7, 1, 0, bias=False), tn.BatchNorm2d(16), tn.ReLU(),
        tn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False), tn.BatchNorm2d(8), tn.ReLU(),
        tn.ConvTranspose2d(8, 1, 4, 2, 1, bias=False), tn.Tanh()).double()
    tD = tn.Sequential(sn(tn.Conv2d(1, 4, 4, 2, 1)), tn.LeakyReLU(0.1),
                       sn(tn.Conv2d(4, 8, 4, 2, 1)), tn.LeakyReLU(0.1), tn.Flatten(),
                       sn(tn.Linear(8 * 7 * 7, 1))).double()
    for tm, em in ((tG, G), (tD, D)):  # the same weights (and power-iteration vectors)
        tm.load_state_dict({k[len("main."):]: torch.tensor(v.numpy())
                            for k, v in em.state_dict().items()})
    opt = [ember.optim.Adam(m.parameters(), lr=2e-4, betas=(0.0, 0.9)) for m in (G, D)]
    topt = [torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.0, 0.9)) for m in (tG, tD)]
    d_loss, g_loss = _losses(loss)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    rng = np.random.default_rng(0)
    for _ in range(6):
        real, z = rng.uniform(-1, 1, (16, 1, 28, 28)), rng.standard_normal((16, 100))
        ld, lg = gan_step(G, D, opt[0], opt[1], ember.tensor(real), ember.tensor(z), d_loss,
                          g_loss)
        fake = tG(torch.tensor(z).view(16, 100, 1, 1))
        dr, df = tD(torch.tensor(real)).view(-1), tD(fake.detach()).view(-1)
        tld = (torch.relu(1 - dr).mean() + torch.relu(1 + df).mean()) if loss == "hinge" else \
            bce(dr, torch.ones_like(dr)) + bce(df, torch.zeros_like(df))
        topt[1].zero_grad()
        tld.backward()
        topt[1].step()
        dg = tD(fake).view(-1)
        tlg = -dg.mean() if loss == "hinge" else bce(dg, torch.ones_like(dg))
        topt[0].zero_grad()
        tlg.backward()
        topt[0].step()
        assert ld.item() == pytest.approx(tld.item(), rel=1e-10, abs=1e-12)
        assert lg.item() == pytest.approx(tlg.item(), rel=1e-10, abs=1e-12)
    for tm, em in ((tG, G), (tD, D)):
        for (k, tv), ev in zip(tm.state_dict().items(), em.state_dict().values()):
            np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=k)
