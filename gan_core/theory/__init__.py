"""Why GANs are hard, computed: small numpy models of the theory (no torch, no gradio).

- divergence: the optimal D, the Jensen-Shannon divergence and the Wasserstein-1 distance in 1D
  (Goodfellow et al. 2014, Prop. 1 and Thm. 1; Arjovsky, Chintala, Bottou 2017, Example 1).
- g_losses: the saturating and the non-saturating G loss against D(G(z)) (Goodfellow 2016, Fig. 16).
- dirac: the Dirac-GAN, a two-number GAN whose training dynamics can be drawn
  (Mescheder, Geiger, Nowozin 2018, Sec. 2-3).
"""
