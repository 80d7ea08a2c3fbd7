"""A plain reference training loop, written the way pytorch/examples dcgan/main.py writes it.

What it mirrors from that example (per iteration):
    netD.zero_grad(); output = netD(real); errD_real = criterion(output, label); errD_real.backward()
    D_x = output.mean().item()
    fake = netG(noise); output = netD(fake.detach()); errD_fake = criterion(...); errD_fake.backward()
    D_G_z1 = output.mean().item(); errD = errD_real + errD_fake; optimizerD.step()
    netG.zero_grad(); output = netD(fake); errG = criterion(output, label(real)); errG.backward()
    D_G_z2 = output.mean().item(); optimizerG.step()
    print('[%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f' % (..., errD.item(), errG.item(), ...))
    every 100 iterations: an image of netG(fixed_noise)

i.e. real and fake are separate BCE passes, gradients accumulate over two backward calls, one
G forward per iteration is reused for G's update, and five `.item()` calls per iteration read
the numbers back for the log line (five host syncs on a GPU).

What differs from the example, on purpose, so that only the loop style is compared:
  - the networks are the project's own (gan_core.models, built from the same RunConfig), so D
    returns logits and the criterion is BCEWithLogitsLoss (the same objective as BCELoss on a
    sigmoid output: the non-saturating GAN loss);
  - batches are drawn from the dataset tensor on the device by random indices, as ours are
    (no DataLoader in either);
  - the log line is formatted but kept in memory instead of printed (no terminal in a benchmark);
  - the image of G(fixed_noise) every 100 iterations is our `image_grid` instead of
    torchvision's save_image to disk.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_core.config import RunConfig
from gan_core.data import Dataset
from gan_core.models import build_models
from gan_core.pictures.viz import image_grid


class ReferenceLoop:
    """netG, netD, their Adam(lr, betas=(0.5, 0.999)) optimisers and the example's loop body."""

    def __init__(self, cfg: RunConfig, data: Dataset, device: torch.device):
        torch.manual_seed(cfg.train.seed)
        shape = tuple(data.x.shape[1:])
        self.netG, self.netD = (m.to(device) for m in build_models(cfg, shape, 0))
        self.data, self.device = data, device
        self.batch_size, self.nz = cfg.train.batch_size, cfg.model.nz
        lr, betas = cfg.train.lr_d, cfg.train.betas_d
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), lr=lr, betas=betas)
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), lr=cfg.train.lr_g, betas=cfg.train.betas_g)
        self.criterion = nn.BCEWithLogitsLoss()
        self.fixed_noise = torch.randn(64, self.nz, device=device)
        self.real_label, self.fake_label = 1.0, 0.0
        self.iteration = 0
        self.log: list[str] = []  # the example prints these lines; we keep the last one

    def step(self) -> None:
        """One iteration of the example's inner loop."""
        netD, netG, criterion, device, b = self.netD, self.netG, self.criterion, self.device, self.batch_size
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        # train with real
        netD.zero_grad()
        real_cpu = self.data.x[torch.randint(len(self.data), (b,), device=device)]
        # PacGAN's D returns b / pack logits: the label follows the output's size
        output = netD(real_cpu)
        label = torch.full(output.shape, self.real_label, dtype=real_cpu.dtype, device=device)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.sigmoid().mean().item()

        # train with fake
        noise = torch.randn(b, self.nz, device=device)
        fake = netG(noise)
        label.fill_(self.fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.sigmoid().mean().item()
        errD = errD_real + errD_fake
        self.optimizerD.step()

        # (2) Update G network: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(self.real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.sigmoid().mean().item()
        self.optimizerG.step()

        line = "[%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f" % (
            self.iteration, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)
        self.log = [line]
        if self.iteration % 100 == 0:  # the example saves real_samples.png and fake_samples.png here
            with torch.no_grad():
                fake = netG(self.fixed_noise)
            if fake.dim() == 4:
                image_grid(fake)
        self.iteration += 1
