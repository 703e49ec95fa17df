"""The PDF audit report: `build_pdf(report, path)` and its generator form `iter_build_pdf`, for the CLI's
--pdf and the app's Report page. No Qt (engine/ never imports it)."""
from engine.report.identity import report_id
from engine.report.pdf import build_pdf, check_output_path, iter_build_pdf, report_settings

__all__ = ["build_pdf", "check_output_path", "iter_build_pdf", "report_id", "report_settings"]
