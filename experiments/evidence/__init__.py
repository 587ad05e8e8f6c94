"""The evidence the model is judged against and fitted to, in one room that the calibration and the validation both
import: the published studies' designs (``catalogue``), the settings they run in (``arms``), the model's figure for each
(``measures``) and each trust's own figures against the model's trusts (``trusts``)."""
