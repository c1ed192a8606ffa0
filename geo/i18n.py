"""Every UI label, in Vietnamese (default) and English.

Pages never write a user-facing string of their own: they call :func:`t`.
Vocabulary labels (categories, model types, unit types) live in
:mod:`geo.vocab`.
"""
from __future__ import annotations

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

LABELS: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("ANTT Atlas", "ANTT Atlas"),
    "app_subtitle": ("Bản đồ phong trào Toàn dân bảo vệ an ninh Tổ quốc",
                     "Map of the All People Protect National Security movement"),
    "page_map": ("Bản đồ", "Map"),
    "page_about": ("Giới thiệu", "About"),
    "language": ("Ngôn ngữ", "Language"),
    "demo_banner": ("Dữ liệu mẫu (demo): ranh giới và tên địa danh là hư cấu, không phải địa phương thật.",
                    "Demo data: boundaries and place names are fictional, not a real locality."),
    "building_demo": ("Đang tạo cơ sở dữ liệu mẫu lần đầu…", "Building the demo database for the first time…"),
    "db_error": ("Không mở được cơ sở dữ liệu", "The database cannot be opened"),
    "no_sets": ("Chưa có bộ ranh giới nào. Hãy nhập ranh giới hoặc tạo dữ liệu mẫu (python -m geo demo).",
                "No boundary set yet. Import boundaries or build the demo data (python -m geo demo)."),
    # filters
    "filters": ("Bộ lọc", "Filters"),
    "level": ("Cấp hiển thị", "Level"),
    "level_commune": ("Xã/Phường", "Commune"),
    "level_village": ("Thôn/Tổ dân phố", "Village"),
    "boundary_set": ("Bộ ranh giới", "Boundary set"),
    "current": ("hiện hành", "current"),
    "valid_until": ("đến", "until"),
    "area": ("Địa bàn", "Area"),
    "whole_province": ("Toàn tỉnh", "Whole province"),
    "commune": ("Xã/Phường", "Commune"),
    "village": ("Thôn/Tổ dân phố", "Village"),
    "all": ("Tất cả", "All"),
    "period": ("Thời gian", "Period"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "categories": ("Loại vụ việc", "Incident categories"),
    "model_types": ("Loại mô hình", "Programme models"),
    "layers": ("Lớp bản đồ", "Map layers"),
    "layer_groups": ("Mô hình (tổ, đội)", "Groups"),
    "layer_cameras": ("Camera an ninh", "Security cameras"),
    "layer_heat": ("Mật độ vụ việc", "Incident heat map"),
    "preset_last_7": ("7 ngày qua", "Last 7 days"),
    "preset_last_28": ("28 ngày qua", "Last 28 days"),
    "preset_this_month": ("Tháng này", "This month"),
    "preset_last_month": ("Tháng trước", "Last month"),
    "preset_this_quarter": ("Quý này", "This quarter"),
    "preset_last_quarter": ("Quý trước", "Last quarter"),
    "preset_ytd": ("Từ đầu năm", "Year to date"),
    "preset_last_year": ("Năm trước", "Last year"),
    "preset_custom": ("Tùy chọn", "Custom"),
    "period_invalid": ("Ngày kết thúc phải sau ngày bắt đầu.", "The end date must not be before the start date."),
    # figures
    "incidents": ("Vụ việc", "Incidents"),
    "incidents_prev": ("Kỳ trước", "Previous period"),
    "incidents_last_year": ("Cùng kỳ năm trước", "Same period last year"),
    "change": ("Tăng/giảm", "Change"),
    "change_pct": ("Tăng/giảm (%)", "Change (%)"),
    "z": ("Chỉ số z", "z score"),
    "groups_active": ("Mô hình đang hoạt động", "Active groups"),
    "villages": ("Số thôn/TDP", "Villages"),
    "villages_covered": ("Thôn/TDP có mô hình", "Villages covered"),
    "coverage_pct": ("Tỷ lệ phủ (%)", "Coverage (%)"),
    "cameras_active": ("Camera đang hoạt động", "Active cameras"),
    "name": ("Tên", "Name"),
    "code": ("Mã", "Code"),
    "unit_type": ("Loại đơn vị", "Unit type"),
    "population": ("Dân số", "Population"),
    "no_data": ("Không có dữ liệu", "No data"),
    "legend_areas": ("địa bàn", "areas"),
    "map_title": ("Số vụ việc theo {level}, {period}", "Incidents by {level}, {period}"),
    "total_incidents": ("Tổng số vụ việc", "Total incidents"),
    "vs_prev": ("so với kỳ trước", "vs previous period"),
    "vs_last_year": ("so với cùng kỳ", "vs same period last year"),
    "outside_areas": ("Vụ việc ngoài ranh giới hoặc không xác định được địa bàn: {n}",
                      "Incidents outside the boundaries or with no known area: {n}"),
    "share_link": ("Đường dẫn chia sẻ: sao chép địa chỉ trang (bộ lọc nằm trong URL).",
                   "Share: copy the page address (the filters are in the URL)."),
    "table": ("Bảng số liệu", "Figures table"),
    "about_text": (
        "ANTT Atlas hiển thị các mô hình tự quản về an ninh trật tự, camera an ninh và vụ việc trên bản đồ "
        "ranh giới xã/phường và thôn/tổ dân phố. Dữ liệu nằm trong tệp SQLite cục bộ; ứng dụng không gửi "
        "yêu cầu nào ra Internet.",
        "ANTT Atlas shows community security groups, security cameras and incidents on commune and village "
        "boundary maps. Data lives in a local SQLite file; the app sends no request to the Internet."),
    "boundary_sets": ("Các bộ ranh giới", "Boundary sets"),
    "definitions": ("Định nghĩa các chỉ số", "Definitions of the figures"),
    # analytics
    "rate_per_1000": ("Vụ việc / 1.000 dân", "Incidents per 1,000 residents"),
    "camera_area_pct": ("Diện tích có camera (%)", "Area under camera view (%)"),
    "incidents_in_camera_view_pct": ("Vụ việc trong vùng camera (%)", "Incidents in camera view (%)"),
    "metric": ("Chỉ tiêu hiển thị", "Map metric"),
    "scheme": ("Cách phân lớp", "Classification"),
    "scheme_quantiles": ("Phân vị", "Quantiles"),
    "scheme_equal_interval": ("Khoảng đều", "Equal intervals"),
    "scheme_natural_breaks": ("Ngắt tự nhiên", "Natural breaks"),
    "hot_spots": ("Điểm nóng (Gi*)", "Hot spots (Gi*)"),
    "hot_99": ("Điểm nóng – tin cậy 99 %", "Hot spot – 99 % confidence"),
    "hot_95": ("Điểm nóng – tin cậy 95 %", "Hot spot – 95 % confidence"),
    "hot_90": ("Điểm nóng – tin cậy 90 %", "Hot spot – 90 % confidence"),
    "cold_99": ("Điểm lạnh – tin cậy 99 %", "Cold spot – 99 % confidence"),
    "cold_95": ("Điểm lạnh – tin cậy 95 %", "Cold spot – 95 % confidence"),
    "cold_90": ("Điểm lạnh – tin cậy 90 %", "Cold spot – 90 % confidence"),
    "ns": ("Không có ý nghĩa thống kê", "Not significant"),
    "confidence": ("Độ tin cậy", "Confidence"),
    "p_value": ("Giá trị p", "p-value"),
    "real_change": ("Thay đổi thực sự (|z| ≥ 2)", "Real change (|z| ≥ 2)"),
    "change_ly": ("Tăng/giảm so với cùng kỳ", "Change vs same period last year"),
    "change_ly_pct": ("Tăng/giảm so với cùng kỳ (%)", "Change vs last year (%)"),
    "z_ly": ("Chỉ số z so với cùng kỳ", "z vs last year"),
    "direction_up": ("Tăng", "Up"),
    "direction_down": ("Giảm", "Down"),
    "direction_same": ("Không đổi", "No change"),
    "top_worse": ("Tăng nhiều nhất", "Most increased"),
    "top_better": ("Giảm nhiều nhất", "Most decreased"),
    "sort_by": ("Sắp xếp theo", "Sort by"),
    "total": ("Tổng", "Total"),
    "freq_month": ("Theo tháng", "Monthly"),
    "freq_week": ("Theo tuần", "Weekly"),
    "reform_marker": ("Sắp xếp ĐVHC 2 cấp (01/07/2025)", "Two-tier local government reform (1 July 2025)"),
    "partial_bucket": ("Kỳ chưa trọn", "Partial period"),
    "vung_trang": ("Vùng trắng (thôn chưa có mô hình)", "Villages with no programme (vùng trắng)"),
    "model_mix": ("Cơ cấu loại mô hình", "Model-type mix"),
    "villages_with_type": ("Số thôn có mô hình", "Villages with the model"),
    "area_profile": ("Hồ sơ địa bàn", "Area profile"),
    "click_area_hint": ("Bấm vào một địa bàn trên bản đồ để xem hồ sơ.", "Click an area on the map to see its profile."),
    "trend": ("Xu hướng", "Trend"),
    "programmes": ("Mô hình", "Programmes"),
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    """The label for ``key`` in ``lang``; the key itself when unknown (visible, not a crash)."""
    pair = LABELS.get(key)
    text = key if pair is None else pair[1 if lang == "en" else 0]
    return text.format(**fmt) if fmt else text
