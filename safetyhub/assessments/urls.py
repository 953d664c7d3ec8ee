from django.urls import path

from .views import consensus, cycles, readiness, reports, results, statements

app_name = "assessments"
P = "o/<slug:org_slug>/assessments/"
urlpatterns = [
    path(P, cycles.assessment_list, name="list"),
    path(P + "start/", cycles.assessment_start, name="start"),
    path(P + "<int:pk>/", cycles.assessment_detail, name="detail"),
    path(P + "<int:pk>/answer/", cycles.answer_sheet, name="answer"),
    path(P + "<int:pk>/answer/<str:key>/", cycles.save_own_answer, name="save_answer"),
    path(P + "<int:pk>/consensus/", cycles.consensus_sheet, name="consensus"),
    path(P + "<int:pk>/consensus/<str:key>/", cycles.save_consensus, name="save_consensus"),
    path(P + "<int:pk>/evidence/<str:key>/", cycles.upload_evidence, name="evidence"),
    path(P + "<int:pk>/evidence-file/<int:evidence_pk>/", cycles.evidence_file,
         name="evidence_file"),
    path(P + "<int:pk>/finish/", cycles.finish, name="finish"),
    path(P + "<int:pk>/open-consensus/", cycles.open_consensus, name="open_consensus"),
    path(P + "<int:pk>/finalize/", cycles.finalize, name="finalize"),
    path(P + "<int:pk>/reopen/", cycles.reopen, name="reopen"),
    path(P + "<int:pk>/results/", results.results, name="results"),
    path(P + "<int:pk>/official-texts/", statements.official_texts, name="official_texts"),
    path(P + "<int:pk>/official-texts/<str:key>/", statements.enter_official_text,
         name="enter_official_text"),
    path("o/<slug:org_slug>/pssm/", readiness.pssm, name="pssm"),
    path(P + "<int:pk>/readiness/", readiness.readiness, name="readiness"),
    path(P + "<int:pk>/readiness/period/", readiness.save_period, name="readiness_period"),
    path(P + "<int:pk>/readiness/follow-up/<str:key>/", readiness.save_follow_up,
         name="readiness_follow_up"),
    path(P + "<int:pk>/evidence-binder.zip", readiness.evidence_binder, name="evidence_binder"),
    path(P + "<int:pk>/priorities/", results.priorities, name="priorities"),
    path(P + "<int:pk>/priorities/<str:key>/choose/", results.choose_priority,
         name="choose_priority"),
    path(P + "<int:pk>/priorities/<str:key>/drop/", results.drop_priority,
         name="drop_priority"),
    path(P + "<int:pk>/compare/", results.compare, name="compare"),
    path(P + "<int:pk>/report/", reports.report_html, name="report"),
    path(P + "<int:pk>/report.pdf", reports.report_pdf, name="report_pdf"),
    path(P + "<int:pk>/responses.xlsx", reports.responses_xlsx, name="xlsx"),
    path(P + "<int:pk>/accept-unanimous/", consensus.accept_unanimous, name="accept_unanimous"),
]
