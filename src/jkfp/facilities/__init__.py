"""Facilities and staff (三个一、三合格; 空白点动态清零, issue 12; DOMAIN.md §13).

Institutions (county hospitals, township health centres, village clinics) with their dates and the
villages each serves, staff with their qualifications and posts, and the gaps (空白点) found from
them as dated records: a gap opens the day staff leave or coverage ends and closes when filled.
"""
