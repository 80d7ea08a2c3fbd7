"""Pictures as data, drawn with numpy + PIL (matplotlib only for static figures): the 2D field
(field.py computes it, field_draw.py draws it), sample grids (viz.py), training curves, slow motion."""
